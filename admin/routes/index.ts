// Every admin API route, in the order the OpenAPI document lists them.
import type { ApiRoute } from '../router.js';
import { auditRoutes } from './audit.js';
import { aliasRoutes, domainRoutes, queueRoutes } from './district.js';
import { groupRoutes } from './groups.js';
import { userRoutes } from './users.js';

export const apiRoutes: ApiRoute[] = [...domainRoutes, ...userRoutes, ...aliasRoutes, ...groupRoutes, ...queueRoutes, ...auditRoutes];
