/* conf and the two programs' key tables: values within bounds are taken,
 * every error is reported as file:line: message and parsing goes on, so
 * one run shows them all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_conf.h"
#include "classmap.h"
#include "collector_conf.h"
#include "conf.h"

struct sample {
    char *name;
    unsigned port;
    uint64_t size;
    int on;
    int nlist;
};

static int
add_item(void *obj, int argc, char **argv, char *err, size_t errlen)
{
    struct sample *s = obj;

    if (argc < 2) {
        snprintf(err, errlen, "item: needs a value");
        return -1;
    }
    s->nlist++;
    return 0;
}

static const struct conf_key keys[] = {
    {"name", CONF_STR, 0, 0, CONF_AT(struct sample, name), NULL},
    {"port", CONF_UINT, 1, 65535, CONF_AT(struct sample, port), NULL},
    {"size", CONF_U64, 1, 1ULL << 40, CONF_AT(struct sample, size), NULL},
    {"on", CONF_BOOL, 0, 0, CONF_AT(struct sample, on), NULL},
    {"item", CONF_FUNC, 0, 0, 0, add_item},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Parses text, returns the error count and the messages in *msgs. */
static int
parse(const char *text, struct sample *s, char **msgs)
{
    size_t len = 0;
    FILE *f = open_memstream(msgs, &len);
    int n;

    memset(s, 0, sizeof(*s));
    n = conf_parse_string("t.conf", text, keys, s, f);
    fclose(f);
    return n;
}

static void
values_within_bounds_are_taken(void **state)
{
    struct sample s;
    char *m;

    (void)state;
    assert_int_equal(parse("# c\nname \"a b\\\" c\"\nport 7070 # x\n"
                           "size 4M\non yes\nitem 1\nitem 2\n", &s, &m), 0);
    assert_string_equal(s.name, "a b\" c");
    assert_int_equal(s.port, 7070);
    assert_true(s.size == 4ULL << 20);
    assert_int_equal(s.on, 1);
    assert_int_equal(s.nlist, 2);
    free(s.name);
    free(m);
}

static void
every_error_is_reported_with_its_line(void **state)
{
    struct sample s;
    char *m;

    (void)state;
    assert_int_equal(parse("port 0\nbogus 1\nsize -5\non maybe\n"
                           "name \"open\nitem\nport 80\nport 81\n", &s, &m), 7);
    assert_non_null(strstr(m, "t.conf:1: port: 0 is outside 1..65535"));
    assert_non_null(strstr(m, "t.conf:2: unknown key \"bogus\""));
    assert_non_null(strstr(m, "t.conf:3: size: -5 is not a number"));
    assert_non_null(strstr(m, "t.conf:4: on: maybe is not yes or no"));
    assert_non_null(strstr(m, "t.conf:5: unterminated quoted string"));
    assert_non_null(strstr(m, "t.conf:6: item: needs a value"));
    assert_non_null(strstr(m, "t.conf:8: port: given more than once"));
    free(s.name);
    free(m);
}

static void
a_bom_and_crlf_line_ends_are_accepted(void **state)
{
    struct sample s;
    char *m;

    (void)state;
    assert_int_equal(parse("\xef\xbb\xbfport 1\r\nname x\r\n", &s, &m), 0);
    assert_int_equal(s.port, 1);
    assert_string_equal(s.name, "x");
    free(s.name);
    free(m);
}

static void
number_parser_refuses_overflow_signs_and_junk(void **state)
{
    unsigned long long v;

    (void)state;
    assert_int_equal(conf_parse_u64("18446744073709551616", 0, ~0ULL, &v),
                     -ERANGE);
    assert_int_equal(conf_parse_u64("+1", 0, 10, &v), -EINVAL);
    assert_int_equal(conf_parse_u64("1x", 0, 10, &v), -EINVAL);
    assert_int_equal(conf_parse_u64("17179869184G", 0, ~0ULL, &v), -ERANGE);
    assert_int_equal(conf_parse_u64("2k", 0, 4096, &v), 0);
    assert_true(v == 2048);
}

static char *
write_tmp(const char *text)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/test_conf.XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void
agent_config_reports_all_errors_and_builds_the_class_map(void **state)
{
    struct agent_conf c;
    char *msgs = NULL, *path;
    size_t len = 0;
    FILE *f;
    int n;

    (void)state;
    path = write_tmp("school 340102001\ncollector 10.0.0.1:7070\n"
                     "interface eth1\nclass 一年级1班 10.16.1.0/24\n"
                     "class 机房 vlan:120\nclass bad 10.1.2.3/33\n"
                     "spool_max_mb 0\ninterface eth1\nwindow 9999\n");
    assert_int_equal(agent_conf_init(&c), 0);
    f = open_memstream(&msgs, &len);
    n = agent_conf_load(&c, path, f);
    fclose(f);
    unlink(path);
    assert_int_equal(n, 4);
    assert_non_null(strstr(msgs, ":6: class bad:"));
    assert_non_null(strstr(msgs, ":7: spool_max_mb: 0 is outside"));
    assert_non_null(strstr(msgs, ":8: interface eth1: given twice"));
    assert_non_null(strstr(msgs, ":9: window: 9999 is outside"));
    assert_string_equal(c.school, "340102001");
    assert_int_equal(c.nifaces, 1);
    assert_int_equal(classmap_nclasses(c.cm), 2);
    free(msgs);
    agent_conf_free(&c);
}

static void
collector_config_defaults_and_bounds(void **state)
{
    struct collector_conf c;
    char *msgs = NULL, *path;
    size_t len = 0;
    FILE *f;

    (void)state;
    path = write_tmp("listen 127.0.0.1:7070\ndb /tmp/x.db\n"
                     "max_frame_kb 4096\nidle_timeout 60\n");
    collector_conf_defaults(&c);
    f = open_memstream(&msgs, &len);
    assert_int_equal(collector_conf_load(&c, path, f), 1);
    fclose(f);
    unlink(path);
    assert_non_null(strstr(msgs, ":3: max_frame_kb: 4096 is outside 1..1024"));
    assert_int_equal(c.idle_timeout, 60);
    assert_int_equal(c.max_inflight, 8);
    assert_string_equal(c.listen, "127.0.0.1:7070");
    free(msgs);
    collector_conf_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_within_bounds_are_taken),
        cmocka_unit_test(every_error_is_reported_with_its_line),
        cmocka_unit_test(a_bom_and_crlf_line_ends_are_accepted),
        cmocka_unit_test(number_parser_refuses_overflow_signs_and_junk),
        cmocka_unit_test(agent_config_reports_all_errors_and_builds_the_class_map),
        cmocka_unit_test(collector_config_defaults_and_bounds),
    };
    return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
