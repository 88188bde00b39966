// Command pama runs Pama. See `pama --help`.
package main

import (
	"os"

	"github.com/pamateam/pama/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
