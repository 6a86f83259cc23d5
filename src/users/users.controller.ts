import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../core/http/caller';
import { ApiKeyAuth, CurrentCaller, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { CreateUserDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

const Id = () => Param('id', new ParseUUIDPipe());
const Errors = { type: ErrorResponseDto };

@ApiTags('users')
@ApiKeyAuth()
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'The people who can sign in to the console' })
  @ApiOkResponse({ type: [UserDto] })
  list(): Promise<UserDto[]> {
    return this.users.list();
  }

  @Post()
  @ApiOperation({ operationId: 'inviteUser', summary: 'Invite a person: the account is created and a welcome link (7 days, once) is emailed' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse(Errors)
  @ApiConflictResponse({ ...Errors, description: 'An account with this address already exists' })
  invite(@Body() dto: CreateUserDto, @CurrentCaller() caller: Caller): Promise<UserDto> {
    return this.users.invite(caller, dto.email, dto.role, dto.name);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateUser', summary: 'Change role or name, disable (ends their sessions) or enable a person' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse(Errors)
  @ApiNotFoundResponse(Errors)
  @ApiConflictResponse({ ...Errors, description: 'That would leave no active admin' })
  update(@Id() id: string, @Body() dto: UpdateUserDto, @CurrentCaller() caller: Caller): Promise<UserDto> {
    return this.users.update(caller, id, dto);
  }

  @Post(':id/invite')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resendUserInvite', summary: 'Email a new welcome link (the previous one stops working); also a way to set a new password' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse(Errors)
  @ApiNotFoundResponse(Errors)
  @ApiConflictResponse({ ...Errors, description: 'The account is disabled' })
  resendInvite(@Id() id: string, @CurrentCaller() caller: Caller): Promise<UserDto> {
    return this.users.resendInvite(caller, id);
  }
}
