package duckdb

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/idstitch/idstitch/connectors"
)

var _ connectors.Parser = (*Conn)(nil)

// parseQuery has DuckDB's parser turn a text into its parse tree, as JSON, without binding a name
// or running anything. The text travels as a bind parameter, so it is never itself SQL here.
const parseQuery = "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)"

// ParseOne accepts a text that DuckDB's parser reads as exactly one SELECT statement.
// json_serialize_sql serializes SELECT statements only, so a text that holds a statement of
// another kind comes back as an error, as does a syntax error; several SELECT statements come
// back as a list of more than one.
func (c *Conn) ParseOne(ctx context.Context, text string) error {
	var out string
	if err := c.db.QueryRowContext(ctx, parseQuery, text).Scan(&out); err != nil {
		return mapError(err, parseQuery)
	}
	var r struct {
		Error        bool              `json:"error"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return &connectors.Error{Kind: connectors.Other, Statement: parseQuery, Err: err}
	}
	switch {
	case r.Error:
		return &connectors.Error{Kind: connectors.BadSQL, Statement: text, Err: errors.New(r.ErrorMessage)}
	case len(r.Statements) != 1:
		return &connectors.Error{Kind: connectors.BadSQL, Statement: text, Err: errors.New("the text holds more than one statement")}
	}
	return nil
}
