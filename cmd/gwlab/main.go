// Command gwlab serves, loads, measures and plots the lab's gateway models.
// Run `gwlab help` for its subcommands.
package main

import (
	"os"

	"gatewaylab/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
