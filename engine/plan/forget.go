package plan

import (
	"sort"

	idsql "github.com/idstitch/idstitch/sql"
)

// Erasure: a run carries out the requests of forget_requests. Values forgotten are kept only as
// salted hashes in forget_audit (the salt is the id salt), and every run leaves out the rows that
// hold one: a value that arrives again stays forgotten until a request withdraws it. A run that
// carries out new requests removes the stored rows holding those identifiers from the state (an
// incremental run treats them as rows gone, and recomputes their regions), the rows of
// id_changes and audience_history naming a universal id derived from them, the overrides naming
// them, and, after publishing, every table of the work schema.

// forgets reports whether the run reads the forget tables: requests wait, or values were
// forgotten.
func (b *build) forgets() bool { return b.controls.Forget }

// erases reports whether the run carries out requests.
func (b *build) erases() bool { return b.controls.Forget && b.controls.Pending }

// forgetFilter is what extraction and the stitched views need to leave out forgotten values.
func (b *build) forgetFilter() *idsql.Forget {
	if !b.forgets() {
		return nil
	}
	return &idsql.Forget{Salt: b.Project.Output.IDSalt}
}

// forgetStatements read the pending requests and the hashes of every value forgotten, before
// extraction, which leaves their rows out.
func (b *build) forgetStatements() []Statement {
	if !b.forgets() {
		return nil
	}
	salt := b.Project.Output.IDSalt
	var types []idsql.OvrType
	for _, t := range b.Project.IDTypes {
		types = append(types, idsql.OvrType{Name: t.Name, A: b.normalize(t, "id_value")})
	}
	return []Statement{
		create(b, "fgt_new", idsql.FgtNew, idsql.FgtNewData{Types: types, Salt: salt}, "the forget requests waiting, normalized, with the salted hash forget_audit keeps"),
		create(b, "fgt_keys", idsql.FgtKeys, idsql.FgtKeysData{Qualifiers: b.qualifiers(), Salt: salt}, "the node ids and universal ids of the identifiers forgotten now"),
		create(b, "fgt_hashes", idsql.FgtHashes, idsql.FgtHashesData{}, "the hashes of every value forgotten"),
	}
}

// qualifiers are the names a project with scopes puts before a value (its scopes and pools): a
// value forgotten is forgotten in all of them.
func (b *build) qualifiers() []string {
	if !b.Project.Scoped() {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, pool := range b.Project.Scopes.Pools {
		for _, q := range append([]string{pool.Name}, pool.Scopes...) {
			if !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
	}
	sort.Strings(out)
	return out
}

// forgetRows makes, in an incremental run, the stored rows of a source that hold an identifier
// forgotten now rows gone: their hashes join gone_<source>, and the window every test of the
// stored rows against it covers them too. It returns the statements, which follow changed_.
func (b *build) forgetRows(source string, slots []idsql.Slot) []Statement {
	if !b.erases() {
		return nil
	}
	rows := "fgt_rows_" + source
	if w := b.windows[source]; w != "" {
		b.windows[source] = "(" + w + " OR row_hash IN (SELECT row_hash FROM " + b.workTable(rows) + "))"
	}
	b.forgotten = append(b.forgotten, rows)
	return []Statement{
		create(b, rows, idsql.FgtRows, idsql.FgtRowsData{Stored: b.state(stateRows + source), Slots: slots}, "the stored rows of "+source+" that hold an identifier forgotten now"),
		create(b, "gone_"+source, idsql.FgtGone, idsql.FgtGoneData{Changed: "changed_" + source, Rows: rows}, "the stored rows that this run replaces or forgets"),
	}
}

// forgetPublish records what the run forgot and removes what names it, in the publish
// transaction.
func (b *build) forgetPublish() []Statement {
	if !b.forgets() {
		return nil
	}
	out := []Statement{
		stmt(b, idsql.FgtAudit, idsql.FgtAuditData{RunID: b.runID}),
		stmt(b, idsql.FgtWithdraw, idsql.FgtWithdrawData{}),
		stmt(b, idsql.FgtRequests, idsql.FgtRequestsData{}),
		stmt(b, idsql.FgtHistory, idsql.FgtHistoryData{Table: b.out(IDChanges), Columns: []string{"old_universal_id", "new_universal_id"}}),
		stmt(b, idsql.FgtHistory, idsql.FgtHistoryData{Table: b.out(AudienceHistory), Columns: []string{"universal_id"}}),
	}
	if b.overrides() {
		out = append(out, stmt(b, idsql.FgtOverride, idsql.FgtOverrideData{}))
	}
	out = append(out, b.identifyForget()...)
	if len(b.Project.Destinations) > 0 {
		out = append(out, stmt(b, idsql.FgtDeadLetters, idsql.FgtDeadLettersData{}))
	}
	b.plan.Controls = append(b.plan.Controls, stmt(b, idsql.FgtTally, idsql.FgtTallyData{Rows: b.forgotten}).SQL)
	b.plan.Erases = b.erases()
	return out
}

// forgetViews makes the stitched views again after an incremental run that forgot values for
// the first time: a full run makes them with every publish.
func (b *build) forgetViews() {
	if !b.erases() || b.prior == nil {
		return
	}
	st := Stage{Kind: KindAfterPublish, Name: "views", Note: "the stitched views, which now leave out the rows of forgotten values"}
	for _, s := range b.sources() {
		st.Statements = append(st.Statements, b.view(s))
	}
	b.add(st)
}
