import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { LEADERSHIP_ROLES, LeadershipRole } from '../leadership-roles';

export class ListSenatorsQueryDto {
  @ApiPropertyOptional({ description: 'USPS state code', example: 'CO' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^[A-Z]{2}$/, { message: 'state must be a 2-letter state code' })
  state?: string;

  @ApiPropertyOptional({ enum: LEADERSHIP_ROLES, description: 'Only the senator holding this leadership role now' })
  @IsOptional()
  @IsIn(LEADERSHIP_ROLES)
  role?: LeadershipRole;

  @ApiPropertyOptional({ description: 'Include senators who have left office (kept for past signatures)', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value))
  @IsBoolean()
  includeFormer?: boolean;
}

export class SenatorDto {
  @ApiProperty({ example: 'T000250', description: 'Bioguide id, the roster key' }) bioguideId: string;
  @ApiProperty({ example: 'John Thune' }) name: string;
  @ApiProperty({ example: 'John' }) firstName: string;
  @ApiProperty({ example: 'Thune' }) lastName: string;
  @ApiProperty({ example: 'SD' }) state: string;
  @ApiPropertyOptional({ example: 'Republican', nullable: true, type: String }) party: string | null;
  @ApiPropertyOptional({ example: 3, nullable: true, type: Number }) senateClass: number | null;
  @ApiPropertyOptional({ enum: ['senior', 'junior'], nullable: true }) stateRank: 'senior' | 'junior' | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '511 Dirksen Senate Office Building' }) office: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) address: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '202-224-2321' }) phone: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) url: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) contactForm: string | null;
  @ApiProperty({ description: 'False once a newer roster no longer lists them' }) inOffice: boolean;
  @ApiProperty({ enum: LEADERSHIP_ROLES, isArray: true, description: 'Leadership roles held now' }) roles: LeadershipRole[];
}

export class LeadershipEntryDto {
  @ApiProperty({ enum: LEADERSHIP_ROLES }) role: LeadershipRole;
  @ApiProperty({ example: 'Senate Majority Leader' }) title: string;
  @ApiPropertyOptional({ example: '2025-01-03', nullable: true, type: String }) since: string | null;
  @ApiProperty({ type: SenatorDto }) senator: SenatorDto;
}
