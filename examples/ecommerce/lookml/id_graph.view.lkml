view: id_graph {
  sql_table_name: "identity"."id_graph" ;;

  dimension: universal_id {
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension: id_type {
    type: string
    sql: ${TABLE}."id_type" ;;
  }

  dimension: id_value {
    type: string
    sql: ${TABLE}."id_value" ;;
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

  dimension: row_count {
    type: number
    sql: ${TABLE}."row_count" ;;
  }

  measure: count {
    type: count
  }

}
