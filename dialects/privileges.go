package dialects

import (
	"fmt"
	"strings"
)

// Grants is a dialect that can say who a session runs as and spell the statements that give a
// role what a run needs. idstitch doctor prints them for what it finds missing; it never runs
// them.
type Grants interface {
	// WhoQuery returns one row: the role (or principal) the session runs as, its database, and
	// its virtual warehouse ("" where the warehouse has none).
	WhoQuery() string
	// GrantCreateSchema lets role create schemas in database (project, on BigQuery).
	GrantCreateSchema(database, role string) []string
	// GrantWriteSchema lets role create, replace and drop tables and views in schema.
	GrantWriteSchema(schema, role string) []string
	// GrantRead lets role read table, written as in the project file (schema.table).
	GrantRead(table, role string) []string
	// GrantWarehouse lets role use the compute the block names; nil where a session needs none.
	GrantWarehouse(role string) []string
}

// PrivilegeCatalog is a dialect whose catalog answers privilege questions before anything is
// created: each query returns one row with one boolean.
type PrivilegeCatalog interface {
	Grants
	// MayCreateSchemaQuery: may the session's role create schemas in its database?
	MayCreateSchemaQuery() (string, []any)
	// MayWriteSchemaQuery: may it create tables and views in schema, which exists?
	MayWriteSchemaQuery(schema string) (string, []any)
}

var (
	_ PrivilegeCatalog = Postgres{}
	_ PrivilegeCatalog = Snowflake{}
	_ Grants           = BigQuery{}
)

// splitTable splits schema.table at its last dot.
func splitTable(table string) (schema, name string) {
	if i := strings.LastIndexByte(table, '.'); i >= 0 {
		return table[:i], table[i+1:]
	}
	return "", table
}

func (Postgres) WhoQuery() string { return "SELECT current_user, current_database(), ''" }

// MayCreateSchemaQuery: CREATE on the database is what CREATE SCHEMA checks.
func (Postgres) MayCreateSchemaQuery() (string, []any) {
	return "SELECT has_database_privilege(current_database(), 'CREATE')", nil
}

// MayWriteSchemaQuery: USAGE to name objects in the schema, CREATE to create them; the owner
// holds both. has_schema_privilege takes the schema's name as it is stored, unquoted.
func (Postgres) MayWriteSchemaQuery(schema string) (string, []any) {
	return "SELECT has_schema_privilege($1, 'USAGE') AND has_schema_privilege($1, 'CREATE')", []any{schema}
}

func (p Postgres) GrantCreateSchema(database, role string) []string {
	return []string{fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s;", p.QuoteIdent(database), p.QuoteIdent(role))}
}

func (p Postgres) GrantWriteSchema(schema, role string) []string {
	return []string{fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA %s TO %s;", quotePath(p.QuoteIdent, schema), p.QuoteIdent(role))}
}

func (Postgres) GrantWarehouse(string) []string { return nil }

func (p Postgres) GrantRead(table, role string) []string {
	schema, _ := splitTable(table)
	r := p.QuoteIdent(role)
	return []string{
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s;", quotePath(p.QuoteIdent, schema), r),
		fmt.Sprintf("GRANT SELECT ON %s TO %s;", quotePath(p.QuoteIdent, table), r),
	}
}

func (Snowflake) WhoQuery() string {
	return "SELECT CURRENT_ROLE(), CURRENT_DATABASE(), COALESCE(CURRENT_WAREHOUSE(), '')"
}

// snowflakeHeld restricts INFORMATION_SCHEMA.OBJECT_PRIVILEGES to the grants of the roles the
// session holds: the current role and those it inherits (ENABLED_ROLES). Ownership includes
// every privilege on the object ("OBJECT_PRIVILEGES view", "ENABLED_ROLES view").
const snowflakeHeld = " AND grantee IN (SELECT role_name FROM information_schema.enabled_roles)"

// MayCreateSchemaQuery: CREATE SCHEMA on the database, or its ownership.
func (Snowflake) MayCreateSchemaQuery() (string, []any) {
	return "SELECT COUNT(*) > 0 FROM information_schema.object_privileges WHERE object_type = 'DATABASE' AND object_name = CURRENT_DATABASE()" +
		" AND privilege_type IN ('CREATE SCHEMA', 'OWNERSHIP')" + snowflakeHeld, nil
}

// MayWriteSchemaQuery: ownership of the schema, or USAGE with CREATE TABLE and CREATE VIEW.
func (s Snowflake) MayWriteSchemaQuery(schema string) (string, []any) {
	is, name := s.infoSchema(schema)
	return "SELECT COUNT_IF(privilege_type = 'OWNERSHIP') > 0 OR (COUNT_IF(privilege_type = 'USAGE') > 0 AND COUNT_IF(privilege_type = 'CREATE TABLE') > 0" +
		" AND COUNT_IF(privilege_type = 'CREATE VIEW') > 0) FROM " + is + ".object_privileges WHERE object_type = 'SCHEMA' AND UPPER(object_name) = UPPER(?)" +
		strings.Replace(snowflakeHeld, "information_schema", is, 1), []any{name}
}

func (s Snowflake) GrantCreateSchema(database, role string) []string {
	return []string{fmt.Sprintf("GRANT CREATE SCHEMA ON DATABASE %s TO ROLE %s;", quotePath(s.QuoteIdent, database), s.QuoteIdent(role))}
}

func (s Snowflake) GrantWriteSchema(schema, role string) []string {
	return []string{fmt.Sprintf("GRANT USAGE, CREATE TABLE, CREATE VIEW ON SCHEMA %s TO ROLE %s;", quotePath(s.QuoteIdent, schema), s.QuoteIdent(role))}
}

// GrantWarehouse: a session whose role may not use the block's virtual warehouse has none, and
// its first query fails with "no active warehouse".
func (s Snowflake) GrantWarehouse(role string) []string {
	return []string{fmt.Sprintf("GRANT USAGE ON WAREHOUSE <warehouse.virtual_warehouse> TO ROLE %s;", s.QuoteIdent(role))}
}

// GrantRead names the database only for a table written database.schema.table; otherwise the
// table is in the session's database, whose USAGE the session already has.
func (s Snowflake) GrantRead(table, role string) []string {
	schema, _ := splitTable(table)
	r := s.QuoteIdent(role)
	var out []string
	if db, _ := splitSchema(schema); db != "" {
		out = append(out, fmt.Sprintf("GRANT USAGE ON DATABASE %s TO ROLE %s;", s.QuoteIdent(db), r))
	}
	return append(out,
		fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO ROLE %s;", quotePath(s.QuoteIdent, schema), r),
		fmt.Sprintf("GRANT SELECT ON TABLE %s TO ROLE %s;", quotePath(s.QuoteIdent, table), r))
}

// WhoQuery: SESSION_USER() is the email of the account that runs the job.
func (BigQuery) WhoQuery() string { return "SELECT SESSION_USER(), '', ''" }

// bigQueryMember is the principal as BigQuery's DCL names it ("Data control language
// statements", user_list): service accounts and users are told apart by their address.
func bigQueryMember(email string) string {
	if strings.HasSuffix(email, ".gserviceaccount.com") {
		return `"serviceAccount:` + email + `"`
	}
	return `"user:` + email + `"`
}

// GrantCreateSchema: creating datasets is a project permission (bigquery.datasets.create, in
// roles/bigquery.user); running jobs needs roles/bigquery.jobUser there too.
func (b BigQuery) GrantCreateSchema(project, email string) []string {
	return []string{fmt.Sprintf("GRANT `roles/bigquery.user` ON PROJECT %s TO %s;", b.QuoteIdent(project), bigQueryMember(email))}
}

func (b BigQuery) GrantWriteSchema(schema, email string) []string {
	return []string{fmt.Sprintf("GRANT `roles/bigquery.dataEditor` ON SCHEMA %s TO %s;", quotePath(b.QuoteIdent, schema), bigQueryMember(email))}
}

func (BigQuery) GrantWarehouse(string) []string { return nil }

func (b BigQuery) GrantRead(table, email string) []string {
	return []string{fmt.Sprintf("GRANT `roles/bigquery.dataViewer` ON TABLE %s TO %s;", quotePath(b.QuoteIdent, table), bigQueryMember(email))}
}
