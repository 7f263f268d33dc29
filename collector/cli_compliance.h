/* cli_compliance: the collector's registry and compliance subcommands.
 * Each takes the subcommand's own argv (argv[0] is its name) and returns
 * the process exit code: 0 done, 1 failed (bad input, reported; or a
 * database error), 2 usage error.
 *   import schools|classes|areas|inventory|links FILE --db DB [--encoding E]
 *   calendar load FILE --db DB
 *   pack load FILE --db DB [--encoding E]   |   pack check FILE
 *   evaluate --pack P --year Y [--district D] --db DB [--version V]
 *            [--min-days N] [--stale-days N] [--now UNIX|YYYY-MM-DD]
 *   report --pack P --year Y [--district D] --format csv [--lang zh|en]
 *          [--encoding utf-8|gbk] [--output FILE] [--summary-output FILE]
 *          --db DB [--evaluate] [--min-days N] [--stale-days N] [--now T]
 *   registry map SCHOOL --db DB           (class map and area map text) */
#ifndef CLI_COMPLIANCE_H
#define CLI_COMPLIANCE_H

int cli_import(int argc, char **argv);
int cli_calendar(int argc, char **argv);
int cli_pack(int argc, char **argv);
int cli_evaluate(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_registry(int argc, char **argv);

#endif /* CLI_COMPLIANCE_H */
