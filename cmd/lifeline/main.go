// Command lifeline is Lifeline's single binary: server, workers and operator commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai even on hosts without a zoneinfo database

	"lifeline/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lifeline:", err)
		if app.IsUsage(err) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
