package nn

// ReLUForward clamps m rows of n values (row stride ld) at zero, in place.
func ReLUForward[T Float](m, n int, y []T, ld int) {
	for i := 0; i < m; i++ {
		row := y[i*ld : i*ld+n]
		for j, v := range row {
			row[j] = max(v, 0)
		}
	}
}

// ReLUBackward zeroes dy where the ReLU output y was not positive.
func ReLUBackward[T Float](m, n int, y []T, dy []T, ld int) {
	for i := 0; i < m; i++ {
		row := dy[i*ld : i*ld+n]
		for j, v := range y[i*ld : i*ld+n] {
			if v <= 0 {
				row[j] = 0
			}
		}
	}
}
