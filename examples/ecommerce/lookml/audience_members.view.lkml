# The profiles in each audience. One row per (audience, universal id).
view: audience_members {
  sql_table_name: "identity"."audience_members" ;;

  dimension: audience_and_profile {
    primary_key: yes
    hidden: yes
    description: "The membership: the audience and the profile, which together are unique."
    type: string
    sql: (COALESCE(${TABLE}."audience", '') || ':' || COALESCE(${TABLE}."universal_id", '')) ;;
  }

  dimension: audience {
    description: "The audience, as the project file's audiences name it."
    type: string
    sql: ${TABLE}."audience" ;;
  }

  dimension: universal_id {
    description: "A profile in the audience."
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: entered {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When the profile entered the audience."
    sql: ${TABLE}."entered_at" ;;
  }

  measure: count {
    type: count
    description: "Memberships: a profile counts once per audience it is in."
  }

  measure: profiles {
    type: count_distinct
    description: "Distinct profiles."
    sql: ${universal_id} ;;
  }

}
