package export_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lifeline/internal/errs"
	"lifeline/internal/export"
	"lifeline/internal/store/storetest"
)

// cardOf finds the card of an employee number.
func cardOf(t *testing.T, cards []export.VCard, no string) export.VCard {
	t.Helper()
	for _, c := range cards {
		for _, p := range c.Get("X-LIFELINE-EMPLOYEE-NO") {
			if p.Text() == no {
				return c
			}
		}
	}
	t.Fatalf("no card for %s", no)
	return nil
}

func TestVCardExports(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, e)

			// Masked: at once, masked values as text, no tel: URI, audited.
			file, err := f.svc.Masked(ctx, f.hr, export.Input{Format: "vcf"})
			if err != nil {
				t.Fatal(err)
			}
			if file.ContentType != export.ContentTypeVCard || file.Rows != 3 || !strings.HasSuffix(file.Name, ".vcf") || !strings.HasSuffix(file.ASCIIName, ".vcf") {
				t.Fatalf("file = %s %q %q rows=%d", file.ContentType, file.Name, file.ASCIIName, file.Rows)
			}
			noSecrets(t, "a masked vCard", file.Body)
			cards := export.ParseVCards(t, file.Body)
			if len(cards) != 3 {
				t.Fatalf("%d cards", len(cards))
			}
			zw := cardOf(t, cards, "E001")
			if fn := zw.Get("FN"); len(fn) != 1 || fn[0].Text() != "张伟" {
				t.Errorf("FN = %+v", fn)
			}
			if n := zw.Get("N"); len(n) != 1 || n[0].Components()[0] != "张" || n[0].Components()[1] != "伟" {
				t.Errorf("N = %+v", n)
			}
			if org := zw.Get("ORG"); len(org) != 1 || strings.Join(org[0].Components(), "/") != "海港集团/生产部/一车间" {
				t.Errorf("ORG = %+v", org)
			}
			if title := zw.Get("TITLE"); len(title) != 1 || title[0].Text() != "班组长" {
				t.Errorf("TITLE = %+v", title)
			}
			tels := zw.Get("TEL")
			if len(tels) != 2 || tels[0].Text() != "138****8000" || tels[0].Params["VALUE"] != "text" || tels[0].Params["TYPE"] != "cell" ||
				!strings.Contains(tels[1].Text(), "****") || tels[1].Params["TYPE"] != "work,voice" {
				t.Errorf("masked TEL = %+v", tels)
			}
			if rel := zw.Get("RELATED"); len(rel) != 1 || rel[0].Text() != "李* (配偶) 186****3344" || rel[0].Params["TYPE"] != "emergency,spouse" {
				t.Errorf("masked RELATED = %+v", rel)
			}
			if note := zw.Get("NOTE"); len(note) != 1 || !strings.Contains(note[0].Text(), "号码已脱敏") {
				t.Errorf("masked NOTE = %+v", note)
			}
			if entries := auditActions(t, f, "export.masked"); len(entries) != 1 || !strings.Contains(entries[0].Detail, "format=vcf") ||
				!strings.Contains(entries[0].Detail, "rows=3") {
				t.Errorf("audit = %+v", entries)
			}

			// Departments as cards of KIND org.
			file, err = f.svc.Masked(ctx, f.hr, export.Input{Subject: "departments", Format: "vcf"})
			if err != nil {
				t.Fatal(err)
			}
			if cards := export.ParseVCards(t, file.Body); len(cards) != 4 || cards[0].Get("KIND")[0].Value != "org" {
				t.Errorf("department cards = %+v", cards)
			}

			// Unmasked: a request, a second person's approval, then tel: URIs and the watermark on every card.
			req, err := f.svc.Create(ctx, f.mgr, export.Input{Format: "vcf", Reason: "防汛演练离线通讯录"})
			if err != nil {
				t.Fatal(err)
			}
			if req.Format != "vcf" || req.Status != export.StatusPending {
				t.Fatalf("request = %+v", req)
			}
			if _, err := f.svc.Download(ctx, f.mgr, req.ID); !errs.Is(err, errs.Conflict) {
				t.Fatalf("download while pending: %v", err)
			}
			f.clock.Advance(time.Hour)
			if _, err := f.svc.Approve(ctx, f.sec, req.ID, "同意"); err != nil {
				t.Fatal(err)
			}
			file, err = f.svc.Download(ctx, f.mgr, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			if file.ContentType != export.ContentTypeVCard || file.Rows != 2 || !strings.HasSuffix(file.Name, "禁止转发.vcf") {
				t.Fatalf("file = %s %q rows=%d", file.ContentType, file.Name, file.Rows)
			}
			cards = export.ParseVCards(t, file.Body)
			if len(cards) != 2 {
				t.Fatalf("%d cards in the manager's subtree", len(cards))
			}
			for _, c := range cards {
				note := c.Get("NOTE")
				if len(note) != 1 || note[0].Text() != "导出人 mgr · 批准人 sec · 时间 2026-03-01 11:30 · 仅限应急联络用途，禁止转发" {
					t.Errorf("watermark NOTE = %+v", note)
				}
			}
			zw = cardOf(t, cards, "E001")
			tels = zw.Get("TEL")
			if len(tels) != 2 || tels[0].Value != "tel:+8613800138000" || tels[0].Params["VALUE"] != "uri" ||
				tels[1].Value != "tel:+861065529988;ext=123" || tels[1].Params["VALUE"] != "uri" {
				t.Errorf("unmasked TEL = %+v", tels)
			}
			if email := zw.Get("EMAIL"); len(email) != 1 || email[0].Text() != "zhang.wei@example.cn" {
				t.Errorf("EMAIL = %+v", email)
			}
			if rel := zw.Get("RELATED"); len(rel) != 1 || rel[0].Text() != "李娜 (配偶) +8618621003344" || rel[0].Params["VALUE"] != "text" {
				t.Errorf("unmasked RELATED = %+v", rel)
			}
			// Values that would be formulas in a spreadsheet are plain text in a vCard.
			formula := cardOf(t, cards, "E002")
			if fn := formula.Get("FN"); len(fn) != 1 || fn[0].Text() != `=HYPERLINK("http://x")` {
				t.Errorf("FN = %+v", fn)
			}
			if rel := formula.Get("RELATED"); len(rel) != 1 || rel[0].Text() != "@SUM(A1) (+父亲) +8613600136000" {
				t.Errorf("RELATED = %+v", rel)
			}
			if d := auditActions(t, f, "export.download"); len(d) != 1 || !strings.Contains(d[0].Detail, "format=vcf") || !strings.Contains(d[0].Detail, "rows=2") {
				t.Errorf("download audit = %+v", d)
			}
		})
	}
}
