package dialects

import "fmt"

// RowHash: DuckDB reads a table alias as the row's struct, which casts to text.
func (DuckDB) RowHash(table string) string { return fmt.Sprintf("md5(CAST(%s AS VARCHAR))", table) }

// RowHash: Postgres reads a table alias as the row's composite value, which casts to text.
func (Postgres) RowHash(table string) string { return fmt.Sprintf("md5(CAST(%s AS text))", table) }

// RowHash: Snowflake's HASH takes every column of a table through a qualified wildcard.
func (Snowflake) RowHash(table string) string {
	return fmt.Sprintf("TO_VARCHAR(HASH(%s.*))", table)
}

// RowHash: GoogleSQL reads a table alias as the row's STRUCT, which TO_JSON_STRING renders.
func (BigQuery) RowHash(table string) string {
	return fmt.Sprintf("TO_HEX(MD5(TO_JSON_STRING(%s)))", table)
}
