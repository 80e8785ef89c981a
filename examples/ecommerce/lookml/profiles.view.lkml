# One profile per customer, with its traits and audiences. One row per universal id.
view: profiles {
  sql_table_name: "identity"."profiles" ;;

  dimension: universal_id {
    primary_key: yes
    description: "The profile's id: the MD5 of the id salt and its anchor identifier, stable across runs."
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: first_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When the profile's first identifier was first seen."
    sql: ${TABLE}."first_seen_at" ;;
  }

  dimension_group: last_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When any of its identifiers was last seen."
    sql: ${TABLE}."last_seen_at" ;;
  }

  dimension: identifiers {
    description: "How many identifiers the profile holds."
    type: number
    sql: ${TABLE}."identifiers" ;;
  }

  dimension: user_id_count {
    description: "How many user_id identifiers the profile holds."
    type: number
    sql: ${TABLE}."user_id_count" ;;
  }

  dimension: latest_user_id {
    description: "The profile's user_id seen last."
    type: string
    sql: ${TABLE}."latest_user_id" ;;
  }

  dimension: email_count {
    description: "How many email identifiers the profile holds."
    type: number
    sql: ${TABLE}."email_count" ;;
  }

  dimension: latest_email {
    description: "The profile's email seen last."
    type: string
    sql: ${TABLE}."latest_email" ;;
  }

  dimension: phone_count {
    description: "How many phone identifiers the profile holds."
    type: number
    sql: ${TABLE}."phone_count" ;;
  }

  dimension: latest_phone {
    description: "The profile's phone seen last."
    type: string
    sql: ${TABLE}."latest_phone" ;;
  }

  dimension: device_id_count {
    description: "How many device_id identifiers the profile holds."
    type: number
    sql: ${TABLE}."device_id_count" ;;
  }

  dimension: latest_device_id {
    description: "The profile's device_id seen last."
    type: string
    sql: ${TABLE}."latest_device_id" ;;
  }

  dimension: anonymous_id_count {
    description: "How many anonymous_id identifiers the profile holds."
    type: number
    sql: ${TABLE}."anonymous_id_count" ;;
  }

  dimension: latest_anonymous_id {
    description: "The profile's anonymous_id seen last."
    type: string
    sql: ${TABLE}."latest_anonymous_id" ;;
  }

  dimension: lifetime_revenue {
    value_format_name: decimal_2
    description: "Trait: the sum of revenue over the profile's rows of orders."
    type: number
    sql: ${TABLE}."lifetime_revenue" ;;
  }

  measure: total_lifetime_revenue {
    type: sum
    description: "The sum of lifetime_revenue over profiles."
    value_format_name: decimal_2
    sql: ${lifetime_revenue} ;;
  }

  dimension: orders {
    description: "Trait: the number of the profile's rows of orders."
    type: number
    sql: ${TABLE}."orders" ;;
  }

  measure: total_orders {
    type: sum
    description: "The sum of orders over profiles."
    sql: ${orders} ;;
  }

  dimension_group: last_order {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "Trait: the max of ts over the profile's rows of orders."
    sql: ${TABLE}."last_order_at" ;;
  }

  dimension: cart_abandons_90d {
    description: "Trait: the number of the profile's rows of events where event_type = 'cart_abandoned', in the last 90d."
    type: number
    sql: ${TABLE}."cart_abandons_90d" ;;
  }

  measure: total_cart_abandons_90d {
    type: sum
    description: "The sum of cart_abandons_90d over profiles."
    sql: ${cart_abandons_90d} ;;
  }

  dimension: loyal_customers {
    description: "Whether the profile is in the audience loyal_customers: lifetime_revenue > 300 and orders >= 3."
    type: yesno
    sql: ${TABLE}."loyal_customers" ;;
  }

  dimension: frequent_cart_abandoners {
    description: "Whether the profile is in the audience frequent_cart_abandoners: cart_abandons_90d >= 2."
    type: yesno
    sql: ${TABLE}."frequent_cart_abandoners" ;;
  }

  measure: count {
    type: count
    description: "Profiles."
  }

}
