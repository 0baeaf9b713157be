/* track_edit.h -- `skinq track sessions|remove|edit|history`: corrections to the session store. */
#ifndef SKINQ_CLI_TRACK_EDIT_H
#define SKINQ_CLI_TRACK_EDIT_H

/** Run `track ACTION` when ACTION is one of sessions, remove, edit, history (argv[0] is the
 * action). @return the exit code, or -1 when the action is not one of these. */
int track_edit_run(const char *action, int argc, char **argv);

/** The help lines of these actions, for `skinq track --help`. */
#define TRACK_EDIT_HELP                                                                                      \
    "track sessions --subject ID [--site NAME] [--json]\n"                                                   \
    "    each session: id, date, time, day, cycle, cycle day, images, label, procedure\n"                    \
    "track edit --session ID [--date YYYY-MM-DD[THH:MM]] [--label L] [--procedure TEXT|--no-procedure]\n"    \
    "    correct a session (--date replaces date and time); each change is recorded\n"                       \
    "track remove --session ID [--reason TEXT]\n"                                                            \
    "    remove a session with its photos and measurements; recorded with the old values\n"                  \
    "track history [--subject ID] [--site NAME] [--json]   the recorded corrections\n"

#endif
