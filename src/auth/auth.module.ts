import { Module } from '@nestjs/common';
import { AuthConfig } from '../config/config-sections.js';
import { AccessPolicy } from './access-policy.js';
import { AuthService } from './auth.service.js';
import { GraphqlAccessGuard } from './authorize.decorator.js';
import { StreamAccessGuard } from './stream-access.guard.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Authentication (JWT) and the one stream-access policy, for every transport: `AuthService`
 * turns tokens into principals, `AccessPolicy` decides what they may do, applied by
 * `@RequireStreamAccess()` (HTTP), a WebSocket route's `access` declaration and `@Authorize()`
 * (GraphQL). Off unless a key source is configured. Modules whose routes declare access import it.
 */
@Module({
  providers: [
    { provide: TokenVerifier, inject: [AuthConfig], useFactory: TokenVerifier.fromConfig },
    AuthService,
    AccessPolicy,
    StreamAccessGuard,
    GraphqlAccessGuard,
  ],
  exports: [AuthService, AccessPolicy, StreamAccessGuard, GraphqlAccessGuard],
})
export class AuthModule {}
