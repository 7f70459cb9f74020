package notify

// SetWholeScan sets the number of owners from which channels are read in one pass (see
// wholeScan) and returns a function that restores it.
func SetWholeScan(n int) (restore func()) {
	old := wholeScan
	wholeScan = n
	return func() { wholeScan = old }
}
