"""General texts: errors, channel guard, /ayuda."""

from __future__ import annotations

UNEXPECTED_ERROR = (
    "😕 Algo salió mal de nuestro lado y no pudimos completar tu solicitud. "
    "No se guardó nada a medias. Si vuelve a pasar, comparte esta referencia con un "
    "administrador: `{ref}`."
)
WRONG_CHANNEL = (
    "Este comando se usa en el canal {channel}. Ve allá y vuelve a intentarlo 🙌"
)
WRONG_CHANNEL_UNKNOWN = (
    "Este comando se usa en el canal «{name}», que no encuentro en el servidor. "
    "Pide a un administrador que revise la configuración (SALES_CHANNEL)."
)
FORM_UNKNOWN = (
    "Este formulario ya no es válido (es de una versión anterior del bot). No cambié nada: "
    "vuelve a abrirlo desde el botón de la tarjeta."
)
GUILD_ONLY = "Este comando solo funciona dentro del servidor de Sense Digital, no por mensaje directo."
MISSING_ROLE = "Esta acción es solo para {roles}. Si crees que deberías tenerla, habla con un administrador."
COOLDOWN = "Vas muy rápido 😅 Intenta de nuevo en {seconds} s."

AYUDA_TITLE = "Ventas desde Operaciones — cómo funciona"
AYUDA_INTRO = (
    "La dinámica busca que quienes atienden directamente a los clientes puedan comisionar por "
    "renovaciones o ventas adicionales. Así transferimos parte del presupuesto de adquisición a "
    "quienes operan los clientes y les damos una razón más para atenderlos mejor."
)
AYUDA_WHO = (
    "Los KAMs: quienes atienden directamente un cliente (Líder de desarrollo en web, Content Manager, "
    "Digital Manager, Trafficker en Social y Google Ads, Diseñador en logos o brochures).\n"
    "**Solo puedes venderle a un cliente que atiendes hoy.** No a uno atendido por otro KAM ni a un "
    "cliente nuevo: los clientes nuevos van por referidos (`/referir-lead`)."
)
AYUDA_TYPES = (
    "• **Renovación**: el cliente renueva lo que ya tiene.\n"
    "• **Cross sale**: el cliente compra algo totalmente diferente (p. ej. un cliente web compra un "
    "plan de marketing; uno de Social Ads compra Google Ads, CM, web o app).\n"
    "• **Up sale**: más del mismo servicio (add-ons web, subir el plan de marketing). "
    "**Requiere aprobación del COO ({coo}).**"
)
AYUDA_COMMISSION = (
    "Comisionas el **{rate}** del valor total del negocio (ej.: {example_value} → {example_commission}). "
    "La venta solo es válida después de que **auditoría verifica que el anticipo llegó** a la cuenta "
    "de Sense Digital (y, en up sales, cuando el COO aprueba)."
)
AYUDA_RENEWALS = (
    "Declara tu intención de renovar a la coordinación de renovaciones ({coordinator}) con "
    "`/intencion-renovacion`. Tienes **{days} días hábiles desde la fecha de entrega** (sin fines de "
    "semana ni festivos de Colombia) para cerrarla; si no, el cliente vuelve al equipo comercial."
)
AYUDA_REFERRALS = (
    "¿No quieres vender? Refiere el cliente potencial con `/referir-lead` y comisiona según lo que "
    "determine el perfilador:\n"
    "• Lead malo: **{bad}**\n• Lead bueno: **{good}**\n• Lead vendido: **{sold}**\n"
    "Escribe bien tu cédula: así sabemos quién envió el lead. Los clientes actuales solo cuentan si "
    "quieren un servicio diferente al que ya tienen."
)
AYUDA_EXPORT = (
    "Todos los negocios del día anterior se exportan a diario a las **{time}** (hora de Bogotá). "
    "⚠️ Cuida la **fecha de pago del anticipo**: si registras un negocio con una fecha cuyo corte ya "
    "pasó, queda marcado como *tardío* y sale en el siguiente corte."
)
AYUDA_STEPS = (
    "1. Pide tu usuario de HubSpot y el acceso a este canal con `/solicitar-usuario-hubspot` "
    "(correo de Sense y Gmail) — lo aprueban {approvers}.\n"
    "2. Envía la cotización{quotation}.\n"
    "3. Envía el contrato{contract}.\n"
    "4. Envía las cuentas para el pago y pide el comprobante, siguiendo la política de comprobantes, "
    "anticipos y descuentos{policy}. Si no se cumple, el negocio no se contabiliza.\n"
    "5. Crea el negocio en HubSpot siguiendo el instructivo{guide}.\n"
    "6. Regístralo aquí con `/registrar-negocio`.\n"
    "¿Necesitas factura proforma o link de pago? `/solicitar-proforma`."
)
AYUDA_SUPPORT = (
    "Para reuniones y consejos comerciales puedes apoyarte en nuestro CCO ({cco}) o en tu PM de apoyo: "
    "`/pedir-apoyo`. ¿Dudas del proceso o de HubSpot? `/duda`. Referidos: {landing}"
)
AYUDA_COMMANDS = (
    "`/registrar-negocio` · `/intencion-renovacion` · `/referir-lead` · `/solicitar-usuario-hubspot` · "
    "`/solicitar-proforma` · `/mis-negocios` · `/mis-referidos` · `/mis-comisiones` · `/duda` · `/pedir-apoyo` · "
    "`/ayuda [tema]`"
)
FIELD_WHO = "¿Quién puede vender?"
FIELD_TYPES = "Tipos de negocio"
FIELD_COMMISSION = "Comisión"
FIELD_RENEWALS = "Renovaciones"
FIELD_REFERRALS = "Referidos"
FIELD_EXPORT = "Corte diario"
FIELD_STEPS = "Paso a paso para tu primera venta"
FIELD_SUPPORT = "Apoyo"
FIELD_COMMANDS = "Comandos"
LINK_SUFFIX = " ({link})"

# Seed people (only shown as defaults of who does what; configurable in a later issue)
COO_NAME = "Camilo Castro"
COORDINATOR_NAME = "Juliana Abondano"
APPROVER_NAMES = "Juan Diego Dillmann o Daniel Valcarcel"
CCO_NAME = "Carlos Abondano"

# a second card of the same deal / lead / request (a crash between posting it and recording it)
CARD_REPLACED = "♻️ Esta tarjeta quedó duplicada y ya no se actualiza. La vigente está aquí: {link}"
