// Package emulatortest exercises the Snowflake connector over gosnowflake's real wire protocol
// against an in-process Snowflake emulator (DuckDB-backed), runs as much of a compiled Snowflake
// plan as the emulator supports, and runs serve's run lease (lease_test.go). It is a Go module of its own so that users of the
// engine never download the emulator; CI runs it (see .ci/run).
package emulatortest
