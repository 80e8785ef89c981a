package sql

// Attributes: profile columns chosen among candidate values by a survivorship rule.
var Attribute = define[AttributeData]("attribute")

type (
	// AttributeData chooses, per profile, one value among the candidates of Parts by Rule
	// (most_recent, most_frequent, first_seen or source_priority), as the columns Name and Source.
	AttributeData struct {
		Name, Source string
		Rule         string
		Parts        []AttributePart
	}
	// AttributePart is the candidates of one source: with Slot, the identifiers in the slot N of
	// the source's rows Table (joined with graph); else the values t<N> of the rows with their
	// profile Table. Rank is the source's place in the attribute's priority, 1 first.
	AttributePart struct {
		Table, Source string
		N, Rank       int
		Slot          bool
	}
)
