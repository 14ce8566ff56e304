"""the questions channel: /duda questions, FAQ entries and /pedir-apoyo support requests

Revision ID: 0003_i22
Revises: 0003_i20
Create Date: 2026-12-01 20:15:57.131638
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0003_i22'
down_revision: str | None = '0003_i20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_discord_id', sa.BigInteger(), nullable=False),
    sa.Column('asker_name', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('shown', sa.JSON(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_discord_id', sa.BigInteger(), nullable=True),
    sa.Column('answered_by_name', sa.String(length=200), nullable=True),
    sa.Column('answered_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_message_id', sa.BigInteger(), nullable=True),
    sa.Column('reminded_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('card_channel_id', sa.BigInteger(), nullable=True),
    sa.Column('card_message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_asker_discord_id'), ['asker_discord_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questions_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_questions_status_posted', ['status', 'posted_at'], unique=False)

    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('created_by_discord_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_faq_entries_question_id_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries')),
    sa.UniqueConstraint('question_id', name=op.f('uq_faq_entries_question_id'))
    )
    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('wanted_date', sa.Date(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('helper_discord_id', sa.BigInteger(), nullable=True),
    sa.Column('helper_name', sa.String(length=200), nullable=True),
    sa.Column('decided_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('meeting_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('card_channel_id', sa.BigInteger(), nullable=True),
    sa.Column('card_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_support_requests_client_id_clients')),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_support_requests_deal_id_deals')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_support_requests_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_requests_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index('ix_support_requests_member_client', ['member_id', 'client_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_support_requests_member_client')
        batch_op.drop_index(batch_op.f('ix_support_requests_deal_id'))

    op.drop_table('support_requests')
    op.drop_table('faq_entries')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_status_posted')
        batch_op.drop_index(batch_op.f('ix_questions_created_at'))
        batch_op.drop_index(batch_op.f('ix_questions_asker_discord_id'))

    op.drop_table('questions')
