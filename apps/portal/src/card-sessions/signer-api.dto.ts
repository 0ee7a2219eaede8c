import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class LocalizedTextDto {
  @ApiProperty({ example: '転出届' }) ja!: string;
  @ApiPropertyOptional({ example: 'Moving-out notification' }) en?: string;
}

class SummaryLineDto {
  @ApiProperty({ type: LocalizedTextDto }) label!: LocalizedTextDto;
  @ApiProperty({ example: '山田　花子' }) value!: string;
}

class DocumentDto {
  @ApiProperty({
    description: 'SHA-256 (hex) of the canonical document (RFC 8785 JSON) to be signed',
  })
  sha256!: string;
  @ApiProperty() size!: number;
}

class MunicipalityDto {
  @ApiProperty({ example: '990019' }) code!: string;
  @ApiProperty({ type: LocalizedTextDto }) name!: LocalizedTextDto;
}

class FormRefDto {
  @ApiProperty({ example: 'tenshutsu' }) id!: string;
  @ApiProperty({ type: LocalizedTextDto }) title!: LocalizedTextDto;
}

export class SignerSessionDto {
  @ApiProperty({ enum: ['cardface', 'sign'] }) kind!: 'cardface' | 'sign';
  @ApiProperty({ enum: ['open'] }) status!: 'open';
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: MunicipalityDto }) municipality!: MunicipalityDto;
  @ApiProperty({ type: FormRefDto }) form!: FormRefDto;
  @ApiPropertyOptional({
    description: 'cardface: the details the card read fills',
    enum: ['name', 'address', 'birthdate', 'sex'],
    isArray: true,
  })
  requested?: Array<'name' | 'address' | 'birthdate' | 'sex'>;
  @ApiPropertyOptional({
    type: [SummaryLineDto],
    description: 'sign: what the resident is about to sign',
  })
  summary?: SummaryLineDto[];
  @ApiPropertyOptional({ type: DocumentDto }) document?: DocumentDto;
}

export class CardfaceDetailsDto {
  @ApiProperty({
    description: '氏名: surname and given name separated by U+3000',
    example: '山田　花子',
  })
  name!: string;
  @ApiProperty({ example: '東京都まどぐち市本町一丁目２番３号' }) address!: string;
  @ApiProperty({ description: 'YYYYMMDD (Gregorian)', example: '19900401' }) birthdate!: string;
  @ApiProperty({ description: '1 male, 2 female, 9 not applicable', example: '2' }) sex!: string;
}

export class CertificateDto {
  @ApiProperty({ description: 'the signing certificate read from the card (EF 0001), base64 DER' })
  certificate!: string;
}

export class DigestInfoDto {
  @ApiProperty({
    description:
      'DigestInfo(SHA-256) over the signed attributes, 51 bytes, base64: send it to the card as is',
  })
  digestInfo!: string;
  @ApiProperty({ enum: ['sha256'] }) hashAlgorithm!: 'sha256';
}

export class SignatureDto {
  @ApiProperty({
    description: 'the raw RSA signature from COMPUTE DIGITAL SIGNATURE (256 bytes), base64',
  })
  signature!: string;
}

export class SignedDto {
  @ApiProperty({ enum: ['completed'] }) status!: 'completed';
  @ApiProperty({ example: '20261123-48213907' }) receiptNumber!: string;
}

export class CompletedDto {
  @ApiProperty({ enum: ['completed'] }) status!: 'completed';
}

export class FailureDto {
  @ApiProperty({
    enum: ['PIN_BLOCKED', 'WRONG_PIN', 'CARD_REMOVED', 'CARD_UNREADABLE', 'CANCELLED'],
  })
  reason!: 'PIN_BLOCKED' | 'WRONG_PIN' | 'CARD_REMOVED' | 'CARD_UNREADABLE' | 'CANCELLED';
}

export class ErrorDto {
  @ApiProperty({ example: 'SESSION_EXPIRED' }) error!: string;
  @ApiProperty({ type: LocalizedTextDto }) message!: LocalizedTextDto;
}
