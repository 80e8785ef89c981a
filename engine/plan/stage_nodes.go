package plan

import idsql "github.com/idstitch/idstitch/sql"

// The check that no two identifiers share a node id.
var nodeCollisions = "two different identifiers hashed to the same 64-bit node id; the run stopped so that they are not merged (report this as a bug with the warehouse type)"

// nodesAll makes the distinct identifiers of every source's rows, with their node ids.
func (b *build) nodesAll() {
	b.add(b.nodesStage(create(b, "nodes", idsql.Nodes, idsql.NodesData{Slots: b.allSlots}, "")))
}

// nodesNamed makes the identifiers of the recomputed regions. Their rows were read without
// their values; the values come from the published identifiers, the changed rows and the hubs.
func (b *build) nodesNamed() {
	st := b.nodesStage(create(b, "nodes", idsql.NodesNamed, idsql.NodesNamedData{Slots: b.allSlots}, "values from the published identifiers, the changed rows and the hubs"))
	st.Statements = append(st.Statements, Statement{Note: "every identifier of the recomputed regions has its value",
		SQL:   stmt(b, idsql.NodesUnnamed, idsql.NodesUnnamedData{}).SQL,
		Check: "an identifier of the recomputed regions has no stored value, so the stored state is not what this version expects; run `idstitch run --full` (and report this as a bug)"})
	b.add(st)
}

func (b *build) nodesStage(nodes Statement) Stage {
	return Stage{Kind: KindNodes, Name: "nodes", Note: "distinct (id_type, value) with a 64-bit node id", Statements: []Statement{
		nodes,
		{Note: "two distinct identifiers must never share a node id", SQL: stmt(b, idsql.NodeCollisions, idsql.NodeCollisionsData{}).SQL, Check: nodeCollisions},
	}}
}
