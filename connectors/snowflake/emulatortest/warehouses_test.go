package emulatortest

// The project files under test are Snowflake projects; the Snowflake connector registers the type.
import _ "github.com/idstitch/idstitch/connectors/snowflake"
