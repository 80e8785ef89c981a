# The rows of the source events (main.events) with the universal_id of each row's first identifier. One row per source row.
view: events_stitched {
  sql_table_name: "identity"."events_stitched" ;;

  dimension: universal_id {
    description: "The profile of the row's first identifier."
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: event {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When the row happened: the source's timestamp column ts."
    sql: ${TABLE}."ts" ;;
  }

  dimension: row_hash {
    primary_key: yes
    hidden: yes
    description: "A hash of the whole row, the view's key: the source events names no key column (sources[].key)."
    type: string
    sql: md5(CAST(${TABLE} AS VARCHAR)) ;;
  }

  dimension: anonymous_id {
    description: "The source's column anonymous_id, read as anonymous_id."
    type: string
    sql: ${TABLE}."anonymous_id" ;;
  }

  dimension: device_id {
    description: "The source's column device_id, read as device_id."
    type: string
    sql: ${TABLE}."device_id" ;;
  }

  dimension: email {
    description: "The source's column email, read as email."
    type: string
    sql: ${TABLE}."email" ;;
  }

  dimension: user_id {
    description: "The source's column user_id, read as user_id."
    type: string
    sql: ${TABLE}."user_id" ;;
  }

  measure: count {
    type: count
    description: "Rows of the source."
  }

  measure: profiles {
    type: count_distinct
    description: "Distinct profiles."
    sql: ${universal_id} ;;
  }

}
