/*
 * qemu_insn_marks.c -- a QEMU TCG plugin (user mode) that counts the guest
 * instructions executed and writes the running count at marks the guest
 * program sets, so one emulated process can measure many code sections.
 *
 *   qemu-aarch64 -plugin ./qemu_insn_marks.so,out=FILE PROGRAM ...
 *
 * A mark is the system call lseek(-1, TAG, 0x5167): it fails at once
 * (EBADF) and does nothing, and no real program makes it.  Each mark
 * appends "TAG COUNT" to FILE, COUNT being the instructions executed so
 * far by all threads.  The difference of two marks is the instructions
 * between them (the guest's own, in user mode: no kernel work).
 *
 * Counting: each translation block adds its instruction count to one
 * counter when it starts (an inline add, no callback per instruction); a
 * block left early by a signal is counted whole, which nothing measured
 * here does.  The counter is shared, unsynchronised: measure with one
 * thread.  Built against qemu-plugin.h of the installed QEMU's own source
 * package (tools/aarch64_counts.sh).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MARK_SYSCALL 62         /* lseek on aarch64 Linux */
#define MARK_WHENCE 0x5167u

static uint64_t executed;
static FILE* out;

static void on_tb_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                             qemu_plugin_tb_n_insns(tb));
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                       uint64_t a7, uint64_t a8)
{
    (void)id; (void)vcpu; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num == MARK_SYSCALL && a1 == UINT64_MAX && a3 == MARK_WHENCE) {
        fprintf(out, "%" PRIu64 " %" PRIu64 "\n", a2, executed);
        fflush(out);
    }
}

static void on_exit(qemu_plugin_id_t id, void* p)
{
    (void)id; (void)p;
    fprintf(out, "exit %" PRIu64 "\n", executed);
    fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info,
                                           int argc, char** argv)
{
    (void)info;
    const char* path = NULL;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "out=", 4) == 0)
            path = argv[i] + 4;
    out = path ? fopen(path, "w") : stderr;
    if (!out)
        return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
    qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
