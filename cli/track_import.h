/* track_import.h -- `skinq track import FILE.jsonl...`: `skinq batch` results into the store. */
#ifndef SKINQ_CLI_TRACK_IMPORT_H
#define SKINQ_CLI_TRACK_IMPORT_H

/** Run `track import` (argv[0] is "import"). @return the exit code. */
int track_import_run(int argc, char **argv);

#define TRACK_IMPORT_HELP                                                                                    \
    "track import [--store PATH] FILE.jsonl...\n"                                                            \
    "    store 'skinq batch' results, one transaction per file; a photo already in its session\n"            \
    "    (same sha256) is skipped and counted, so importing twice stores once; a partial last line\n"        \
    "    (a killed batch) is dropped\n"

#endif
