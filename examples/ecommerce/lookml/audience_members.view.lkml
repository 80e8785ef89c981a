view: audience_members {
  sql_table_name: "identity"."audience_members" ;;

  dimension: audience {
    type: string
    sql: ${TABLE}."audience" ;;
  }

  dimension: universal_id {
    type: string
    sql: ${TABLE}."universal_id" ;;
  }

  dimension_group: entered {
    type: time
    timeframes: [raw, time, date, week, month, year]
    sql: ${TABLE}."entered_at" ;;
  }

  measure: count {
    type: count
  }

}
