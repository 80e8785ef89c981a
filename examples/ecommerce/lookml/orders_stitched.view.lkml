# The rows of the source orders (main.orders) with the universal_id of each row's first identifier. One row per source row.
view: orders_stitched {
  sql_table_name: "identity"."orders_stitched" ;;

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
    description: "A hash of the whole row, the view's key: the source orders names no key column (sources[].key)."
    type: string
    sql: md5(CAST(${TABLE} AS VARCHAR)) ;;
  }

  dimension: billing_email {
    description: "The source's column billing_email, read as email."
    type: string
    sql: ${TABLE}."billing_email" ;;
  }

  dimension: email {
    description: "The source's column email, read as email."
    type: string
    sql: ${TABLE}."email" ;;
  }

  dimension: phone {
    description: "The source's column phone, read as phone."
    type: string
    sql: ${TABLE}."phone" ;;
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
