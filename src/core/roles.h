/*
 * roles.h — the roles granted to an account per region. Everything else a
 * person may do (chair, member, coordinator, board) follows from their
 * memberships in the register.
 */
#pragma once

typedef enum {
	ROLE_ADMIN = 1 << 0,     /* manages accounts and settings of the region */
	ROLE_OFFICE = 1 << 1,    /* the Geschäftsstelle: works on everything of the region */
	ROLE_APPLICANT = 1 << 2, /* applies to the support association */
} account_role;
