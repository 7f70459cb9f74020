package app

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"math/big"

	"lifeline/internal/auth"
	"lifeline/internal/demo"
)

// demoSeed fixes the demo organization, so every installation shows the same people.
const demoSeed = 20261123

func cmdDemo(ctx context.Context, args []string, env func(string) string, stdio IO) error {
	if messyRequested(args) {
		return cmdDemoMessy(ctx, args, env, stdio) // writes files; opens no database
	}
	var n int
	a, pos, err := command(ctx, "demo", args, env, stdio, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "people", 500, "number of people")
		fs.Int("messy", 0, "write a messy HR file of N people and its ground truth instead (see --out); opens no database")
		fs.String("out", "", "with --messy: the file to write (default messy-N.csv)")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if len(pos) != 0 || n < 20 || n > 200000 {
		return usagef("usage: lifeline demo [--people N], N from 20 to 200000")
	}
	loaded, password, err := a.loadDemo(ctx, n)
	if err != nil {
		return err
	}
	if !loaded {
		return fmt.Errorf("the database already holds people; the demo loads only into an empty directory")
	}
	printf(stdio.Stdout, "loaded a demo organization of %d people\n", n)
	if password != "" {
		printf(stdio.Stdout, "log in as admin with password %s (shown once)\n", password)
	}
	return nil
}

// loadDemo loads the demo organization when the directory is empty, and creates an admin
// account with a generated password when there are no accounts yet.
func (a *App) loadDemo(ctx context.Context, n int) (loaded bool, adminPassword string, err error) {
	var people, users int
	if err := a.DB.Read.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM users)`).Scan(&people, &users); err != nil {
		return false, "", fmt.Errorf("count: %w", err)
	}
	if people > 0 {
		return false, "", nil
	}
	if err := demo.Load(ctx, a.DB, a.Directory, a.Clock.Now(), demo.Generate(n, demoSeed)); err != nil {
		return false, "", fmt.Errorf("load demo: %w", err)
	}
	if users > 0 {
		return true, "", nil
	}
	adminPassword = generatePassword()
	name, role := "admin", "admin"
	if _, err := a.Auth.CreateUser(ctx, cliPrincipal(), auth.UserInput{Username: &name, Role: &role, Password: &adminPassword}); err != nil {
		return true, "", describeCLI(err)
	}
	return true, adminPassword, nil
}

// generatePassword returns 16 characters from an alphabet without look-alikes (~92 bits).
func generatePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
