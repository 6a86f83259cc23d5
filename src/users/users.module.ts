import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordHasher } from './password-hasher';
import { SessionsService } from './sessions.service';
import { UserSession } from './user-session.entity';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Accounts for people (issue 14): sign-in, sessions, the second factor, invitations. Part of the core: the auth
 * guard resolves session cookies through SessionsService.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, UserSession])],
  controllers: [AuthController, UsersController],
  providers: [UsersService, AuthService, SessionsService, PasswordHasher, LoginThrottleService],
  exports: [UsersService, SessionsService],
})
export class UsersModule {}
