import { Global, Module } from '@nestjs/common';
import { AuthConfig } from '../config/config-sections.js';
import { AuthService } from './auth.service.js';
import { StreamAccessGuard } from './stream-access.guard.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Authentication and per-stream permissions (JWT), for every transport: `AuthService` for the
 * WebSocket handshakes and GraphQL, `@RequireStreamAccess()` for HTTP routes. Off unless a key
 * source is configured.
 */
@Global()
@Module({
  providers: [
    { provide: TokenVerifier, inject: [AuthConfig], useFactory: TokenVerifier.fromConfig },
    AuthService,
    StreamAccessGuard,
  ],
  exports: [AuthService, StreamAccessGuard],
})
export class AuthModule {}
