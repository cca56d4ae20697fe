/*
 * cmd_people: `fulfilctl language USER [LANG]`, a person's settings.
 * Argument parsing and output only: the people module decides.
 *
 * Owns: nothing but its output.
 * Never: echoes an argument that failed the login-name check.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "i18n.h"
#include "people.h"
#include "policy.h"
#include "station.h"

int
cmd_language(struct ctl *c, int argc, char **argv)
{
	struct station *s = NULL;
	struct ferr err = { 0 };
	const char *user, *lang = NULL;
	char me[STATION_USER_MAX], cur[PEOPLE_LANG_MAX];
	int rc;

	if (ctl_wants_help(argc, argv))
		return ctl_command_usage("language", CTL_EXIT_OK);
	if (argc < 2 || argc > 3)
		return ctl_command_usage("language", CTL_EXIT_USAGE);
	user = argv[1];
	if (policy_login_name_check(user, &err) != 0)
		return ctl_usage_error("language", _("USER: %s"), err.msg);
	if (argc == 3) {
		lang = argv[2];
		if (strcmp(lang, "default") == 0)
			lang = "";
		else if (people_language_check(lang, &err) != 0)
			return ctl_usage_error("language", _("LANG: %s"),
			    err.msg);
	}
	if (lang != NULL && station_os_user(me, &err) != 0)
		return ctl_fail(&err);
	if (station_open(c->cfg, lang == NULL, &s, &err) != 0)
		return ctl_fail(&err);
	if (lang == NULL) {
		if (people_language(s->store, user, cur, sizeof cur,
		    &err) != 0) {
			rc = ctl_fail(&err);
			goto out;
		}
		printf("%s\n", cur[0] != '\0' ? cur : "default");
		rc = CTL_EXIT_OK;
		goto out;
	}
	if (s->audit == NULL) {
		ferr_set(&err, FULFIL_ESTATE, _("the station's audit log is "
		    "not open"));
		rc = ctl_fail(&err);
		goto out;
	}
	if (people_set_language(s->store, s->audit, me, user, lang,
	    (int64_t)time(NULL), &err) != 0) {
		rc = ctl_fail(&err);
		goto out;
	}
	if (lang[0] != '\0')
		printf(_("language of %s set to %s\n"), user, lang);
	else
		printf(_("language of %s set to the station's\n"), user);
	rc = CTL_EXIT_OK;
out:
	station_close(s);
	return rc;
}
