package unionfind

import "testing"

func TestUnionFind(t *testing.T) {
	u := New()
	a, b, c, d := u.Add(ID{"t", "a"}), u.Add(ID{"t", "b"}), u.Add(ID{"t", "c"}), u.Add(ID{"t", "d"})
	if u.Add(ID{"t", "a"}) != a {
		t.Fatal("adding an identifier twice gave two indexes")
	}
	u.Union(a, b)
	u.Union(c, b)
	if u.Count() != 2 || u.Len() != 4 {
		t.Fatalf("count %d, len %d; want 2 groups of 4 identifiers", u.Count(), u.Len())
	}
	g := u.Groups()
	if g[ID{"t", "c"}] != (ID{"t", "a"}) || g[ID{"t", "d"}] != (ID{"t", "d"}) {
		t.Fatalf("groups: %v", g)
	}
	_ = d
}
