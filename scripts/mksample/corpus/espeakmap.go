package corpus

// espeakMap maps the phoneme mnemonics eSpeak NG 1.51 emits for the
// English accents mksample uses (emitted.go) onto the inventory. eSpeak
// names phonemes per accent, so one inventory phone has several
// mnemonics (0 and A: → aa). A vowel + r or diphthong + schwa that eSpeak
// treats as one phoneme maps to the vowel the CMU dictionary starts it with
// (e@ "square" → eh, A@ "start" → aa, aI@ "fire" → ay); syllabic
// consonants map to the consonant (@L → l, n- → n), the flap t#, the
// glottal stop ? and the dental t[ to t (the CMU dictionary writes T for
// all three), w# (en-us "wh") to w. Mnemonics starting with "_" are pauses
// and ";" (a linking mark between words, not a sound) continues the phone
// before it. See README.md, "Phone set".
var espeakMap = map[string]string{
	"_": "sil", "_:": "sil", "_!": "sil", ";": join,
	"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "g",
	"t#": "t", "?": "t", "t2": "t", "t[": "t",
	"tS": "ch", "dZ": "jh", "f": "f", "v": "v", "T": "th", "D": "dh",
	"s": "s", "z": "z", "S": "sh", "Z": "zh", "h": "hh",
	"m": "m", "n": "n", "N": "ng", "l": "l", "r": "r", "w": "w", "w#": "w", "j": "y",
	"r-": "r", "@L": "l", "n-": "n",
	"a": "ae", "aa": "ae", "a#": "ah", "A:": "aa", "A@": "aa", "0": "aa",
	"E": "eh", "e@": "eh", "eI": "ey",
	"I": "ih", "I2": "ih", "I#": "ih", "IR": "ih", "i": "iy", "i:": "iy", "i@": "iy", "i@3": "iy",
	"O:": "ao", "O2": "ao", "O@": "ao", "o@": "ao", "oU": "ow", "OI": "oy",
	"U": "uh", "U@": "uh", "u:": "uw",
	"V": "ah", "@": "ah", "@2": "ah", "@5": "ah",
	"3:": "er", "3": "er", "VR": "er",
	"aI": "ay", "aI2": "ay", "aI3": "ay", "aI@": "ay", "aU": "aw",
}
