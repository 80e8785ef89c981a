package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idstitch/idstitch/connectors"
)

var _ connectors.Parser = (*Conn)(nil)

// syntaxError is the SQLSTATE of a text the server's parser refuses, a text of several
// statements prepared as one included.
const syntaxError = "42601"

// ParseOne prepares text as the unnamed statement: the protocol's Parse message, which is what
// PREPARE does, but with no SQL around it that could itself be split into statements. The server
// parses and analyses it and runs nothing, so no transaction is needed to undo anything; it
// refuses a text of several statements ("cannot insert multiple commands into a prepared
// statement"). Errors of analysis, such as a column that does not exist, are not the parser's:
// the text may name what a run has yet to create, and other checks report them.
func (c *Conn) ParseOne(ctx context.Context, text string) error {
	conn, err := c.pool.Acquire(ctx)
	if err != nil {
		return mapError(err, "")
	}
	defer conn.Release()
	_, err = conn.Conn().PgConn().Prepare(ctx, "", text, nil)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code != syntaxError {
		return nil
	}
	return mapError(err, text)
}
