/*
 * errno.h - kernel error numbers. Recoverable errors are returned as negative values
 * of these (Linux convention), through one exit per function. Numbers match Linux's
 * so that user programs and host tools can share them.
 */
#ifndef LOCKSTEP_ERRNO_H
#define LOCKSTEP_ERRNO_H

#define EPERM    1   /* operation not permitted */
#define ENOENT   2   /* no such file or entry */
#define ESRCH    3   /* no such task (thread) */
#define EINTR    4   /* interrupted: the program was killed while it waited */
#define EIO      5   /* I/O error */
#define E2BIG    7   /* argument list too long */
#define EBADF    9   /* bad file descriptor */
#define EAGAIN  11   /* try again */
#define ENOMEM  12   /* out of memory */
#define EACCES  13   /* permission denied */
#define EFAULT  14   /* bad address */
#define EBUSY   16   /* device or resource busy */
#define EEXIST  17   /* already exists */
#define EINVAL  22   /* invalid argument */
#define EMFILE  24   /* too many open files */
#define ENOSPC  28   /* no space left */
#define ERANGE  34   /* result out of range */
#define ENAMETOOLONG 36  /* file name too long */
#define ENOSYS  38   /* function not implemented */
#define ENOEXEC  8   /* exec format error */

#endif
