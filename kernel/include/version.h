/*
 * version.h - the release string shown in the banner and by `version`.
 */
#ifndef LOCKSTEP_VERSION_H
#define LOCKSTEP_VERSION_H

#define LOCKSTEP_VERSION "0.1.0"
#define LOCKSTEP_VERSION_CODE 0x000100      /* major << 16 | minor << 8 | patch */

#endif
