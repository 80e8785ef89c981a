connection: "ecommerce"  # the name of your Looker connection to the warehouse

include: "*.view.lkml"

explore: profiles {
  label: "Customer profiles"

  join: id_graph {
    type: left_outer
    relationship: one_to_many
    sql_on: ${profiles.universal_id} = ${id_graph.universal_id} ;;
  }

  join: audience_members {
    type: left_outer
    relationship: one_to_many
    sql_on: ${profiles.universal_id} = ${audience_members.universal_id} ;;
  }

  join: events_stitched {
    type: left_outer
    relationship: one_to_many
    sql_on: ${profiles.universal_id} = ${events_stitched.universal_id} ;;
  }

  join: orders_stitched {
    type: left_outer
    relationship: one_to_many
    sql_on: ${profiles.universal_id} = ${orders_stitched.universal_id} ;;
  }

  join: crm_contacts_stitched {
    type: left_outer
    relationship: one_to_many
    sql_on: ${profiles.universal_id} = ${crm_contacts_stitched.universal_id} ;;
  }
}
