view: events_stitched {
  sql_table_name: "identity"."events_stitched" ;;

  dimension: universal_id {
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: event {
    type: time
    timeframes: [raw, time, date, week, month, year]
    sql: ${TABLE}."ts" ;;
  }

  dimension: anonymous_id {
    type: string
    sql: ${TABLE}."anonymous_id" ;;
  }

  dimension: device_id {
    type: string
    sql: ${TABLE}."device_id" ;;
  }

  dimension: email {
    type: string
    sql: ${TABLE}."email" ;;
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
