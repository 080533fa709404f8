// Encodings of the NEON instructions Go's arm64 assembler has no mnemonic
// for, on four single-precision lanes (.4S). Arguments are register
// numbers: d, n, m for Vd, Vn, Vm, and lane for Vm.S[lane].

// FADD Vd.4S, Vn.4S, Vm.4S
#define FADD4S(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
// FSUB Vd.4S, Vn.4S, Vm.4S
#define FSUB4S(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
// FMUL Vd.4S, Vn.4S, Vm.4S
#define FMUL4S(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
// FMAX Vd.4S, Vn.4S, Vm.4S
#define FMAX4S(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
// FMIN Vd.4S, Vn.4S, Vm.4S
#define FMIN4S(d, n, m) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
// FCMGT Vd.4S, Vn.4S, Vm.4S
#define FCMGT4S(d, n, m) WORD $(0x6EA0E400 | ((m)<<16) | ((n)<<5) | (d))
// BIC Vd.16B, Vn.16B, Vm.16B
#define BIC16B(d, n, m) WORD $(0x4E601C00 | ((m)<<16) | ((n)<<5) | (d))
// FADDP Vd.4S, Vn.4S, Vm.4S
#define FADDP4S(d, n, m) WORD $(0x6E20D400 | ((m)<<16) | ((n)<<5) | (d))
// FRINTN Vd.4S, Vn.4S
#define FRINTN4S(d, n) WORD $(0x4E218800 | ((n)<<5) | (d))
// FCVTNS Vd.4S, Vn.4S
#define FCVTNS4S(d, n) WORD $(0x4E21A800 | ((n)<<5) | (d))
// FMAXV Sd, Vn.4S
#define FMAXV4S(d, n) WORD $(0x6E30F800 | ((n)<<5) | (d))
// FMUL Vd.4S, Vn.4S, Vm.S[lane]
#define FMULE4S(d, n, m, lane) WORD $(0x4F809000 | (((lane)&1)<<21) | (((lane)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))
// FMLA Vd.4S, Vn.4S, Vm.S[lane]
#define FMLAE4S(d, n, m, lane) WORD $(0x4F801000 | (((lane)&1)<<21) | (((lane)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))
