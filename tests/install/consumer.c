/* A program outside the project, built against the installed parser: it
 * encodes a Console.Attach for a VM name, decodes it back and prints the
 * kind and name, so the test can tell the library works, not only links. */
#include <stdio.h>
#include <string.h>

#include <albatross/wire.h>

int main(void)
{
    static const struct alb_bytes name[] = { { (const uint8_t *)"hello", 5 } };
    struct alb_msg msg, back;
    uint8_t wire[256];
    size_t n;

    alb_msg_init(&msg, ALB_K_CONSOLE_ATTACH);
    msg.id = 7;
    msg.name = (struct alb_list){ .count = 1, .items = name };
    if (alb_encode(&msg, wire, sizeof wire, &n, NULL) != ALB_E_OK) {
        fprintf(stderr, "consumer: encode failed\n");
        return 1;
    }
    struct alb_opts opts = { .channel = ALB_CH_ANY };
    enum alb_err e = alb_decode(wire, n, &opts, &back, NULL, NULL);
    if (e != ALB_E_OK || back.err.code != ALB_E_OK) {
        fprintf(stderr, "consumer: decode failed: %s\n", alb_err_str(e));
        return 1;
    }
    struct alb_iter it;
    struct alb_bytes part;
    alb_iter_init(&it, ALB_F_VM_NAME, &back.name);
    if (!alb_iter_next(&it, &part))
        return 1;
    printf("%zu bytes: %s id=%llu name=%.*s\n", n, alb_kind_info(back.kind)->name,
           (unsigned long long)back.id, (int)part.n, (const char *)part.p);
    return 0;
}
