// Command cpc trains Contrastive Predictive Coding models on speech and
// computes embeddings with them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gocpc/cpc/asm"
)

// usageError marks errors in how the command was called: exit code 2.
type usageError struct{ error }

var commands = []struct {
	name, summary string
	run           func(args []string, stderr io.Writer) error
}{
	{"train", "train a CPC model on a corpus (the bundled sample by default)", runTrain},
	{"embed", "write embeddings (c_t or z_t) of audio files as .npy or JSON lines", runEmbed},
	{"bench", "time the training step beside PyTorch ('cpc bench train')", runBench},
	{"probe", "linear phone and speaker probes of features, as the paper's Table 1", runProbe},
	{"train-images", "train CPC on images (MNIST, Fashion-MNIST) and probe its features", runTrainImages},
	{"embed-images", "write an image model's mean-pooled features of a data set as .npy", runEmbedImages},
	{"probe-images", "linear probe of an image model's features beside raw pixels and its random init", runProbeImages},
	{"convert", "rewrite a checkpoint in bfloat16 (half the bytes) or float32", runConvert},
	{"serve", "serve the demo page that trains a model in the browser (make wasm first)", runServe},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if err := asm.UseEnv(); err != nil {
		fmt.Fprintf(stderr, "cpc: %s: %v\n", asm.EnvVar, err)
		return 1
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stderr)
		var ue usageError
		switch {
		case err == nil || errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "cpc %s: %v\nRun 'cpc %s --help' for usage.\n", c.name, err, c.name)
			return 2
		default:
			fmt.Fprintf(stderr, "cpc %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "cpc: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cpc <command> [flags] [args]\n\nCommands:")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'cpc <command> --help' for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting and
// prints its usage with a one-line synopsis.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cpc %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
