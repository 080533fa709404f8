package asm

// The kernel path in use. Only the pure-Go path exists so far.
var (
	sgemm     = sgemmGeneric
	logSumExp = logSumExpGeneric
	softmax   = softmaxGeneric
	path      = "generic"
)

// Path names the kernel path in use.
func Path() string { return path }
