view: orders_stitched {
  sql_table_name: "identity"."orders_stitched" ;;

  dimension: universal_id {
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: event {
    type: time
    timeframes: [raw, time, date, week, month, year]
    sql: ${TABLE}."ts" ;;
  }

  dimension: billing_email {
    type: string
    sql: ${TABLE}."billing_email" ;;
  }

  dimension: email {
    type: string
    sql: ${TABLE}."email" ;;
  }

  dimension: phone {
    type: string
    sql: ${TABLE}."phone" ;;
  }

  dimension: user_id {
    type: string
    sql: ${TABLE}."user_id" ;;
  }

  measure: count {
    type: count
  }

  measure: profiles {
    type: count_distinct
    sql: ${universal_id} ;;
  }

}
