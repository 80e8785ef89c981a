package graphpage

import (
	"math"
	"math/rand"
)

// point is a node's place on the drawing.
type point struct{ X, Y float64 }

// layout places n nodes linked by edges (pairs of indexes) in a w×h box with force-directed
// iterations (Fruchterman and Reingold): linked nodes pull together, every pair pushes apart,
// and a little gravity keeps separate pieces on the page. It starts from the nodes on a circle
// in the order given, shaken by a generator of fixed seed, so the same graph is always drawn the
// same way.
func layout(n int, edges [][2]int, w, h float64) []point {
	pos := make([]point, n)
	if n == 0 {
		return pos
	}
	rng := rand.New(rand.NewSource(1))
	cx, cy := w/2, h/2
	for i := range pos {
		a := 2 * math.Pi * float64(i) / float64(n)
		pos[i] = point{cx + w/3*math.Cos(a) + rng.Float64()*4 - 2, cy + h/3*math.Sin(a) + rng.Float64()*4 - 2}
	}
	if n == 1 {
		pos[0] = point{cx, cy}
		return pos
	}
	k := math.Sqrt(w * h / float64(n))
	const iterations = 300
	temp := w / 8
	disp := make([]point, n)
	for it := 0; it < iterations; it++ {
		for i := range disp {
			disp[i] = point{}
		}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				dx, dy := pos[i].X-pos[j].X, pos[i].Y-pos[j].Y
				d2 := dx*dx + dy*dy
				if d2 < 0.01 {
					dx, dy, d2 = 0.1, 0.1, 0.02
				}
				f := k * k / d2 // k²/d along the unit vector (dx, dy)/d
				disp[i].X += dx * f
				disp[i].Y += dy * f
				disp[j].X -= dx * f
				disp[j].Y -= dy * f
			}
		}
		for _, e := range edges {
			a, b := e[0], e[1]
			dx, dy := pos[a].X-pos[b].X, pos[a].Y-pos[b].Y
			d := math.Sqrt(dx*dx + dy*dy)
			f := d / k // d²/k along the unit vector
			disp[a].X -= dx * f
			disp[a].Y -= dy * f
			disp[b].X += dx * f
			disp[b].Y += dy * f
		}
		for i := range pos {
			// Gravity toward the centre, so that unlinked pieces do not drift off.
			disp[i].X -= (pos[i].X - cx) * 0.05 * k / 10
			disp[i].Y -= (pos[i].Y - cy) * 0.05 * k / 10
			d := math.Hypot(disp[i].X, disp[i].Y)
			if d > 0 {
				step := math.Min(d, temp)
				pos[i].X += disp[i].X / d * step
				pos[i].Y += disp[i].Y / d * step
			}
		}
		temp = math.Max(temp*0.985, 0.5)
	}
	return fit(pos, w, h)
}

// fit scales and moves the points into the box, keeping a margin and the aspect ratio.
func fit(pos []point, w, h float64) []point {
	const margin = 30
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pos {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	sx, sy := (w-2*margin)/math.Max(maxX-minX, 1), (h-2*margin)/math.Max(maxY-minY, 1)
	s := math.Min(sx, sy)
	ox := (w - (maxX-minX)*s) / 2
	oy := (h - (maxY-minY)*s) / 2
	out := make([]point, len(pos))
	for i, p := range pos {
		out[i] = point{ox + (p.X-minX)*s, oy + (p.Y-minY)*s}
	}
	return out
}
