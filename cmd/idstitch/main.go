// Command idstitch links every identifier that belongs to one person into a profile with a
// universal customer id, running the work as SQL inside the warehouse.
package main

import (
	"os"

	"github.com/idstitch/idstitch/cmd/idstitch/cli"
)

func main() { os.Exit(cli.Do(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
