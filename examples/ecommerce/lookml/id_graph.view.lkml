# Every identifier and the profile it belongs to. One row per identifier.
view: id_graph {
  sql_table_name: "identity"."id_graph" ;;

  dimension: type_and_value {
    primary_key: yes
    hidden: yes
    description: "The identifier: its type and value, which together are unique."
    type: string
    sql: (COALESCE(${TABLE}."id_type", '') || ':' || COALESCE(${TABLE}."id_value", '')) ;;
  }

  dimension: universal_id {
    description: "The profile the identifier belongs to."
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension: id_type {
    description: "The identifier's type, as the project file's id_types name it."
    type: string
    sql: ${TABLE}."id_type" ;;
  }

  dimension: id_value {
    description: "The identifier's value, normalized."
    type: string
    sql: ${TABLE}."id_value" ;;
  }

  dimension_group: first_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When a source row first held the identifier."
    sql: ${TABLE}."first_seen_at" ;;
  }

  dimension_group: last_seen {
    type: time
    timeframes: [raw, time, date, week, month, year]
    description: "When a source row last held the identifier."
    sql: ${TABLE}."last_seen_at" ;;
  }

  dimension: row_count {
    description: "How many source rows held the identifier."
    type: number
    sql: ${TABLE}."row_count" ;;
  }

  measure: count {
    type: count
    description: "Identifiers."
  }

  measure: profiles {
    type: count_distinct
    description: "Distinct profiles."
    sql: ${universal_id} ;;
  }

}
