package corpus

// espeakMap maps eSpeak NG 1.51's English phoneme mnemonics (every accent
// mksample uses; see emitted.go for the ones that occur) onto the
// inventory. eSpeak names phonemes per accent, so one inventory phone has
// several mnemonics; diphthongs and vowel + r sequences that eSpeak treats
// as one phoneme map to the phone the CMU dictionary starts them with
// (e@ "square" → eh, A@ "start" → aa), syllabic consonants to the
// consonant, the flap t# to t and the glottal stop ? to t (CMU writes T
// for both). Mnemonics starting with "_" are pauses.
var espeakMap = map[string]string{
	// pauses and the linking mark
	"_": "sil", "_:": "sil", "_!": "sil", "_^_": "sil", ";": join,
	// consonants
	"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "g",
	"t#": "t", "d#": "d", "?": "t", "t2": "t", "d2": "d", "k2": "k",
	"tS": "ch", "dZ": "jh", "f": "f", "v": "v", "T": "th", "D": "dh",
	"s": "s", "z": "z", "S": "sh", "Z": "zh", "h": "hh", "x": "k",
	"m": "m", "n": "n", "N": "ng", "l": "l", "r": "r", "w": "w", "j": "y",
	"l/": "l", "l/2": "l", "r-": "r", "@L": "l", "n-": "n", "m-": "m", "l#": "l",
	"*": "r", "r/": "r", "W": "w", "C": "hh",
	// vowels
	"a": "ae", "a#": "ah", "aa": "ae", "A:": "aa", "A@": "aa", "A": "aa", "0": "aa",
	"E": "eh", "e@": "eh", "eI": "ey", "e": "eh",
	"I": "ih", "I2": "ih", "I#": "ih", "i": "iy", "i:": "iy", "i@": "iy", "i@3": "iy", "IR": "ih",
	"O:": "ao", "O@": "ao", "O": "ao", "o@": "ao", "oU": "ow", "o": "ow", "OI": "oy",
	"U": "uh", "U@": "uh", "u:": "uw", "u": "uw",
	"V": "ah", "@": "ah", "@2": "ah", "@5": "ah", "@-": "ah",
	"3:": "er", "3": "er", "@r": "er", "VR": "er",
	"aI": "ay", "aI@": "ay", "aI3": "ay", "aU": "aw", "aU@": "aw",
}
