package screening

import "math"

// maxAssign bounds the tokens per side that take part in the assignment;
// names longer than that (rare for people) are cut, the cut tokens still
// counting as unmatched.
const maxAssign = 12

// assign solves the assignment problem on profit[i][j] (n rows, m columns,
// n, m ≤ maxAssign): it returns col[i], the column given to row i (or -1),
// so that the total profit is maximal and each column is used at most once.
// It is the Hungarian method with potentials (shortest augmenting paths),
// O(n²m), run on costs = -profit; rows are transposed when n > m.
func assign(profit *[maxAssign][maxAssign]float32, n, m int, col *[maxAssign]int) {
	for i := 0; i < n; i++ {
		col[i] = -1
	}
	if n == 0 || m == 0 {
		return
	}
	if n == 1 || m == 1 {
		bi, bj := -1, -1
		best := float32(0)
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				if profit[i][j] > best {
					best, bi, bj = profit[i][j], i, j
				}
			}
		}
		if bi >= 0 {
			col[bi] = bj
		}
		return
	}
	transpose := n > m
	rows, cols := n, m
	if transpose {
		rows, cols = m, n
	}
	cost := func(i, j int) float64 { // 1-based
		if transpose {
			return -float64(profit[j-1][i-1])
		}
		return -float64(profit[i-1][j-1])
	}
	const inf = math.MaxFloat64 / 4
	var u, v, minv [maxAssign + 1]float64
	var p, way [maxAssign + 1]int
	var used [maxAssign + 1]bool
	for i := 1; i <= rows; i++ {
		p[0] = i
		j0 := 0
		for j := 0; j <= cols; j++ {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := inf
			j1 := 0
			for j := 1; j <= cols; j++ {
				if used[j] {
					continue
				}
				cur := cost(i0, j) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= cols; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	for j := 1; j <= cols; j++ {
		if p[j] == 0 {
			continue
		}
		r, c := p[j]-1, j-1
		if transpose {
			r, c = c, r
		}
		// A zero-profit pair is no match.
		if profit[r][c] > 0 {
			col[r] = c
		}
	}
}
