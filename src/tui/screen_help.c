/*
 * screen_help: F1, the keys of the screen it was called from, made from
 * that screen's key table and the keys every screen has.
 *
 * Owns nothing. Must never: list a key the screen does not handle.
 */
#include "config.h"

#include <stdio.h>

#include "i18n.h"
#include "screens.h"
#include "ui.h"

struct help_ctx {
	const struct ui_screen *of;
};

static const struct ui_key help_global[] = {
	{ UI_KEY_F(1), N_("Help"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_ESC, N_("Back"), NULL },
};

static void
help_line(struct ui *ui, int row, int key, const char *label)
{
	char name[16], line[160];

	if (key >= UI_KEY_F(1) && key <= UI_KEY_F(12))
		snprintf(name, sizeof name, "F%d / Esc %d", key - UI_KEY_F(0),
		    (key - UI_KEY_F(0)) % 10);
	else if (key == UI_KEY_ESC)
		snprintf(name, sizeof name, "Esc");
	else
		snprintf(name, sizeof name, "?");
	snprintf(line, sizeof line, "%-12s %s", name, _(label));
	ui_put(ui, row, 0, UI_NEUTRAL, false, line, 0);
}

static void
help_draw(struct ui *ui, void *vctx)
{
	const struct help_ctx *h = vctx;
	int row = 0;
	size_t i, j;
	bool dup;

	if (h->of != NULL && h->of->input != NULL)
		ui_put(ui, row++, 0, UI_NEUTRAL, false,
		    _("Scan or type a code, then Enter"), 0);
	for (i = 0; h->of != NULL && i < h->of->nkeys; i++)
		if (h->of->keys[i].label != NULL)
			help_line(ui, row++, h->of->keys[i].key,
			    h->of->keys[i].label);
	for (j = 0; j < sizeof help_global / sizeof help_global[0]; j++) {
		dup = false;
		for (i = 0; h->of != NULL && i < h->of->nkeys; i++)
			if (h->of->keys[i].key == help_global[j].key)
				dup = true;
		if (!dup)
			help_line(ui, row++, help_global[j].key,
			    help_global[j].label);
	}
}

static enum ui_act
help_back(struct ui *ui, void *ctx)
{
	(void)ui;
	(void)ctx;
	return UI_BACK;
}

static const struct ui_key help_keys[] = {
	{ UI_KEY_ESC, N_("Back"), help_back },
	{ UI_KEY_F(1), NULL, help_back },
};

enum ui_act
screen_help(struct ui *ui, const struct ui_screen *s)
{
	struct help_ctx h = { s };
	struct ui_screen scr = {
		N_("Help: keys"), help_keys,
		sizeof help_keys / sizeof help_keys[0], help_draw, NULL, NULL,
		&h
	};

	return ui_run(ui, &scr);
}
