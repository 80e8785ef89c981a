package dialects

// WithCapabilities returns d answering Supports with supports instead of its own. Tests use it to
// run one warehouse's SQL under another warehouse's capabilities, e.g. DuckDB planned as Snowflake
// would be: WithCapabilities(DuckDB{}, Snowflake{}.Supports).
func WithCapabilities(d Dialect, supports func(Capability) bool) Dialect {
	return capabilities{d, supports}
}

type capabilities struct {
	Dialect
	supports func(Capability) bool
}

func (c capabilities) Supports(x Capability) bool { return c.supports(x) }
