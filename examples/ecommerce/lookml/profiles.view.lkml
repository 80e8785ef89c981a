view: profiles {
  sql_table_name: "identity"."profiles" ;;

  dimension: universal_id {
    primary_key: yes
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: first_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    sql: ${TABLE}."first_seen_at" ;;
  }

  dimension_group: last_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    sql: ${TABLE}."last_seen_at" ;;
  }

  dimension: identifiers {
    type: number
    sql: ${TABLE}."identifiers" ;;
  }

  dimension: user_id_count {
    type: number
    sql: ${TABLE}."user_id_count" ;;
  }

  dimension: latest_user_id {
    type: string
    sql: ${TABLE}."latest_user_id" ;;
  }

  dimension: email_count {
    type: number
    sql: ${TABLE}."email_count" ;;
  }

  dimension: latest_email {
    type: string
    sql: ${TABLE}."latest_email" ;;
  }

  dimension: phone_count {
    type: number
    sql: ${TABLE}."phone_count" ;;
  }

  dimension: latest_phone {
    type: string
    sql: ${TABLE}."latest_phone" ;;
  }

  dimension: device_id_count {
    type: number
    sql: ${TABLE}."device_id_count" ;;
  }

  dimension: latest_device_id {
    type: string
    sql: ${TABLE}."latest_device_id" ;;
  }

  dimension: anonymous_id_count {
    type: number
    sql: ${TABLE}."anonymous_id_count" ;;
  }

  dimension: latest_anonymous_id {
    type: string
    sql: ${TABLE}."latest_anonymous_id" ;;
  }

  dimension: lifetime_revenue {
    type: number
    sql: ${TABLE}."lifetime_revenue" ;;
  }

  measure: total_lifetime_revenue {
    type: sum
    sql: ${lifetime_revenue} ;;
  }

  dimension: orders {
    type: number
    sql: ${TABLE}."orders" ;;
  }

  measure: total_orders {
    type: sum
    sql: ${orders} ;;
  }

  dimension: last_order_at {
    type: string
    sql: ${TABLE}."last_order_at" ;;
  }

  dimension: cart_abandons_90d {
    type: number
    sql: ${TABLE}."cart_abandons_90d" ;;
  }

  measure: total_cart_abandons_90d {
    type: sum
    sql: ${cart_abandons_90d} ;;
  }

  dimension: loyal_customers {
    type: yesno
    sql: ${TABLE}."loyal_customers" ;;
  }

  dimension: frequent_cart_abandoners {
    type: yesno
    sql: ${TABLE}."frequent_cart_abandoners" ;;
  }

  measure: count {
    type: count
  }

}
